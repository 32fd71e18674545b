// Package flock takes exclusive advisory locks on files, so that two processes building the
// same run or the same site wait for each other. A lock ends with its process, so a killed
// process never leaves a stale lock behind. Where advisory locks do not exist (not unix),
// Lock does nothing and concurrent runs rely on atomic renames alone.
package flock

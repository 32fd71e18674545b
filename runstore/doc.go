// Package runstore keeps runs on disk: the run folder (config.json, metrics.csv, the
// checkpoints, the resume file of an interrupted training), the run cache whose folders are
// named by a hash of the config, training a config into its folder or loading it back, and the
// analyses export data/analyses.safetensors. docs/formats.md describes every file.
//
// The math is package compute's; this package only moves its values to and from files, and
// checks what it reads: every file a user can point at is opened as a regular file with a bound
// on its size, and every error names the file and what was expected.
package runstore

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the program with args in dir and returns the exit status, stdout and stderr.
func runCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, false)
	return code, stdout.String(), stderr.String()
}

// TestBadInput checks that every kind of bad input exits 2 with one line naming the flag or
// file, the field and what was expected, before any training (no run folder appears).
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("bad.json", `{"lr": -1}`)
	write("unknown.json", `{"lr": 0.01, "momentum": 0.9}`)
	write("truncated.safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":")
	write("huge.safetensors", "\xff\xff\xff\xff\xff\xff\xff\x7f{}")
	os.MkdirAll(filepath.Join(dir, "emptyrun"), 0o755)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-lr", "NaN"}, `maxgrok: flag -lr: expected a positive finite number, got NaN`},
		{[]string{"-lr", "abc"}, `invalid value "abc" for flag -lr`},
		{[]string{"-vocab", "1"}, `maxgrok: flag -vocab: expected an integer in [2, 1024], got 1`},
		{[]string{"-optimizer", "SGD"}, `maxgrok: flag -optimizer: expected "AdamW" or "Adam", got "SGD"`},
		{[]string{"-force-adjacent", "0,64"}, `maxgrok: flag -force-adjacent: expected distances in [0, vocab-1 = 63], got 64`},
		{[]string{"-betas", "0.9"}, `invalid value "0.9" for flag -betas: expected two numbers beta1,beta2`},
		{[]string{"-force", "maybe"}, `maxgrok: flag -force: expected auto, train or load, got "maybe"`},
		{[]string{"-config", "bad.json"}, `maxgrok: config bad.json: field "lr": expected a positive finite number, got -1`},
		{[]string{"-config", "unknown.json"}, `maxgrok: config unknown.json: unknown key "momentum"`},
		{[]string{"-config", "missing.json"}, `maxgrok: config: open missing.json: no such file or directory`},
		{[]string{"-init", "truncated.safetensors"}, `maxgrok: init truncated.safetensors: safetensors: `},
		{[]string{"-init", "huge.safetensors"}, `maxgrok: init huge.safetensors: safetensors: `},
		{[]string{"-load", "emptyrun"}, `maxgrok: config: open emptyrun/config.json: no such file or directory`},
		{[]string{"-load", "emptyrun", "-lr", "0.1"}, `maxgrok: flag -load cannot be combined with -lr (the loaded run has its own config)`},
		{[]string{"-out", "."}, `maxgrok: flag -out: "." is the current folder`},
		{[]string{"-out", "/"}, `maxgrok: flag -out: "/" is the file system root`},
		{[]string{"-out", "runs/site"}, `maxgrok: flag -out: "runs/site" is inside the run cache "runs"`},
		{[]string{"-force", "load"}, `maxgrok: flag -force load: no complete cached run for this config`},
		{[]string{"extra"}, `maxgrok: unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, dir, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and stderr containing %q", code, stdout, stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "runs")); err == nil {
				t.Errorf("a run folder was created for bad input")
			}
		})
	}
}

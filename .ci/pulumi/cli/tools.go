//go:build tools

// Package tools makes `go mod tidy` keep the CLI's main package in this module's graph.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"

package daemon

import (
	"fmt"
	"io"
	"strings"
)

// Version is what `corosync -v` and the startup line report. It names the
// C release whose behavior and wire format this daemon implements.
const Version = "3.1.7-gorosync"

// BuiltinFeatures is PACKAGE_FEATURES: each entry with a leading space,
// as C pastes the string after "Built-in features:".
var BuiltinFeatures = []string{"systemd"}

// CryptoModels and CompressionModels are the knet models this build
// offers; the transport registers them when it supports any.
var (
	CryptoModels      []string
	CompressionModels []string
)

func featuresString() string {
	var b strings.Builder
	for _, f := range BuiltinFeatures {
		b.WriteString(" " + f)
	}
	return b.String()
}

// showVersion prints the shape of C's show_version_info.
func showVersion(w io.Writer) {
	fmt.Fprintf(w, "Corosync Cluster Engine, version '%s'\n", Version)
	fmt.Fprintf(w, "Copyright (c) 2006-2021 Red Hat, Inc.\n")
	fmt.Fprintf(w, "\nBuilt-in features:%s\n", featuresString())
	fmt.Fprintf(w, "Available crypto models: %s\n", strings.Join(CryptoModels, " "))
	fmt.Fprintf(w, "Available compression models: %s\n", strings.Join(CompressionModels, " "))
}

// Package config owns camino's settings: each has a flag and a CAMINO_*
// environment variable (a flag given on the command line wins), a default,
// and a validation that names the setting when it fails.
//
// It must never read files or reach the network; it only parses and checks.
package config

// Package tlshost decides whether a TLS host entry, possibly a wildcard, covers a host name.
package tlshost

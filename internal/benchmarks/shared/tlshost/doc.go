// Package tlshost decides, as crypto/x509 does for certificates, whether a TLS host entry or a
// certificate's subject alternative names, possibly wildcards, cover a host name or address.
package tlshost

package tlshost

import (
	"crypto/x509"
	"net"
)

// Covers reports whether a TLS host entry, possibly a wildcard such as *.example.com, covers
// host. It follows crypto/x509's VerifyHostname: a wildcard stands for one whole left-most
// label, names compare case-insensitively and a trailing dot is ignored. An entry that is an IP
// address covers that address.
func Covers(tlsHost, host string) bool {
	return CoveredBy(host, []string{tlsHost}, []string{tlsHost})
}

// CoveredBy reports whether a certificate with these DNS and IP subject alternative names is
// valid for host, a name or an IP address, as crypto/x509's VerifyHostname decides: names match
// DNS names only and addresses IP addresses only. Entries of ips that are not addresses are
// ignored.
func CoveredBy(host string, dnsNames, ips []string) bool {
	cert := &x509.Certificate{DNSNames: dnsNames}
	for _, s := range ips {
		if ip := net.ParseIP(s); ip != nil {
			cert.IPAddresses = append(cert.IPAddresses, ip)
		}
	}
	return cert.VerifyHostname(host) == nil
}

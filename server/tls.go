package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certFiles serves a certificate and key pair from files, reading them
// again when either changes, as cert-manager and kubelet rotate them. A
// pair that does not load keeps the previous one.
type certFiles struct {
	certFile, keyFile string
	log               *slog.Logger

	mu   sync.Mutex
	cert *tls.Certificate
	seen [2]stamp
}

// stamp is what tells a file changed: a ConfigMap or Secret mount
// replaces it through a symbolic link, which Stat follows.
type stamp struct {
	size int64
	mod  time.Time
}

func newCertFiles(certFile, keyFile string, log *slog.Logger) (*certFiles, error) {
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("TLS needs both a certificate and a key file")
	}
	c := &certFiles{certFile: certFile, keyFile: keyFile, log: log}
	if _, err := c.get(nil); err != nil {
		return nil, err
	}
	return c, nil
}

// get is tls.Config.GetCertificate.
func (c *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	now, err := stamps(c.certFile, c.keyFile)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && c.cert != nil && now == c.seen {
		return c.cert, nil
	}
	if err == nil {
		var cert tls.Certificate
		if cert, err = tls.LoadX509KeyPair(c.certFile, c.keyFile); err == nil {
			c.cert, c.seen = &cert, now
			return c.cert, nil
		}
	}
	if c.cert == nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", c.certFile, c.keyFile, err)
	}
	// Mid-rotation the two files may not match yet: keep serving the
	// previous pair, and try again on the next handshake.
	c.log.Warn("keeping the previous TLS certificate", "err", err)
	return c.cert, nil
}

func stamps(files ...string) ([2]stamp, error) {
	var out [2]stamp
	for i, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			return out, err
		}
		out[i] = stamp{size: info.Size(), mod: info.ModTime()}
	}
	return out, nil
}

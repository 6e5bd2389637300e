package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// Set is what the server decides with, compiled whole and swapped whole.
type Set struct {
	// Gate checks objects.
	Gate *syncgate.Gate
	// FailOn is the Gate's least blocking severity; the admission response
	// lists the findings at or above it.
	FailOn manifest.Severity
	// Configs are trusted configurations a /v1/check request may name
	// with ?config=NAME.
	Configs map[string]*syncgate.Config
	// ExcludedNamespaces, when not nil, replace Options.ExcludedNamespaces:
	// the admission section of the configuration, reloaded with it.
	ExcludedNamespaces []string
}

// Loader builds a Set: once at start, and again whenever a watched file
// changes.
type Loader func(ctx context.Context) (*Set, error)

// live is a Set in use: requests hold it for reading, and the reload that
// replaced it closes its Gate once they are done.
type live struct {
	set    *Set
	mu     sync.RWMutex
	closed bool
}

// acquire takes the current set for one request; release it when done. It
// returns nil before the first set is loaded.
func (s *Server) acquire() *live {
	for {
		l := s.current.Load()
		if l == nil {
			return nil
		}
		l.mu.RLock()
		if !l.closed {
			return l
		}
		// Replaced between the load and the lock: take the new one.
		l.mu.RUnlock()
	}
}

func (l *live) release() { l.mu.RUnlock() }

// retire closes the Gate of a replaced set once no request holds it.
func (l *live) retire() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return l.set.Gate.Close()
}

// reload builds a new set and swaps it in; on an error the current set
// stays.
func (s *Server) reload(ctx context.Context) error {
	set, err := s.opts.Load(ctx)
	if err == nil && (set == nil || set.Gate == nil) {
		err = errors.New("loader returned no gate")
	}
	if err != nil {
		s.metrics.reloads.WithLabelValues("error").Inc()
		return fmt.Errorf("reload: %w", err)
	}
	if set.FailOn == "" {
		set.FailOn = manifest.SeverityError
	}
	s.metrics.reloads.WithLabelValues("success").Inc()
	if old := s.current.Swap(&live{set: set}); old != nil {
		return old.retire()
	}
	return nil
}

// watch polls the watched paths and reloads when their contents change,
// until ctx is done. Polling sees a ConfigMap's symlink swap as any other
// change, with no platform-specific notification.
func (s *Server) watch(ctx context.Context, loaded [sha256.Size]byte) {
	tick := time.NewTicker(s.opts.ReloadInterval)
	defer tick.Stop()
	polls := settle{loaded: loaded, seen: loaded}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		sum, err := fingerprint(s.opts.Watch)
		if err != nil {
			s.log.Error("watch: reading the policy and configuration files", "err", err)
			continue
		}
		if !polls.changed(sum) {
			continue
		}
		if err := s.reload(ctx); err != nil {
			s.log.Error("keeping the policies in use", "err", err)
			continue
		}
		s.log.Info("reloaded the policies and configuration")
	}
}

// settle takes a change once two polls in a row see it: a file edited in
// place is empty or half written for a moment, and a set built from that
// moment could compile with a policy missing.
type settle struct {
	loaded, seen [sha256.Size]byte
}

// changed records one poll and reports whether its contents are to be
// loaded now.
func (p *settle) changed(sum [sha256.Size]byte) bool {
	settled := sum == p.seen
	p.seen = sum
	if sum == p.loaded || !settled {
		return false
	}
	p.loaded = sum
	return true
}

// fingerprint hashes the names and contents of the files under paths,
// following symbolic links as a reader of them would. A missing path is
// part of the fingerprint, not an error: it may come back.
func fingerprint(paths []string) ([sha256.Size]byte, error) {
	h := sha256.New()
	for _, root := range paths {
		fmt.Fprintf(h, "%s\x00", root)
		info, err := os.Stat(root)
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprint(h, "missing\x00")
			continue
		}
		if err != nil {
			return [sha256.Size]byte{}, err
		}
		if !info.IsDir() {
			if err := hashFile(h, root); err != nil {
				return [sha256.Size]byte{}, err
			}
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			// A ConfigMap mount keeps its data in hidden directories
			// (..data and the timestamped one it links to) behind links
			// named as the files: hash what a reader sees through them.
			if p != root && d.Name()[0] == '.' {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			fmt.Fprintf(h, "%s\x00", p)
			return hashFile(h, p)
		})
		if err != nil {
			return [sha256.Size]byte{}, err
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum, nil
}

func hashFile(w io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

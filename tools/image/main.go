// Command image writes the base image of make image into an OCI image
// layout, for ko to build on without a registry: ko reads a base named by
// digest from its cache (KOCACHE/img), which is this layout.
//
// The base holds what a static, non-root Go binary needs and nothing else,
// as distroless/static:nonroot does: the users root and nonroot (65532)
// and their groups, a home for nonroot, and /tmp. It holds no CA bundle:
// syncgate serve makes no outbound TLS connection. Every file has a fixed
// time, so that the digest is the same on every run.
//
//	go run . -layout DIR -platform linux/amd64   # prints the image reference
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// repository names the base; ko finds it by digest, never by this name.
const repository = "syncgate.local/static-nonroot"

// nonroot is distroless's unprivileged user and group.
const nonroot = 65532

func main() {
	dir := flag.String("layout", "", "OCI image layout directory to write (ko's KOCACHE/img)")
	platform := flag.String("platform", "linux/amd64", "OS/architecture of the base")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "image: -layout is required")
		os.Exit(2)
	}
	ref, err := write(*dir, *platform)
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	fmt.Println(ref)
}

// write adds the base to the layout at dir (creating it) and returns its
// reference by digest.
func write(dir, platform string) (string, error) {
	osName, arch, ok := strings.Cut(platform, "/")
	if !ok {
		return "", fmt.Errorf("platform %q: want OS/ARCH", platform)
	}
	data, err := filesystem()
	if err != nil {
		return "", err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		return "", err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return "", err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cfg, err := img.ConfigFile()
	if err != nil {
		return "", err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = osName, arch
	cfg.Config.User = fmt.Sprintf("%d:%d", nonroot, nonroot)
	cfg.Config.WorkingDir = "/home/nonroot"
	cfg.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/nonroot"}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return "", err
	}
	if img, err = mutate.CreatedAt(img, v1.Time{Time: time.Unix(0, 0).UTC()}); err != nil {
		return "", err
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", err
		}
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return "", err
		}
	}
	if err := p.AppendImage(img); err != nil {
		return "", err
	}
	digest, err := img.Digest()
	if err != nil {
		return "", err
	}
	return repository + "@" + digest.String(), nil
}

// filesystem is the base's one layer, as an uncompressed tar.
func filesystem() ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0).UTC()
	entries := []struct {
		name     string
		mode     int64
		uid      int
		contents string // a directory when name ends in /
	}{
		{"etc/", 0o755, 0, ""},
		{"etc/passwd", 0o644, 0, "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"},
		{"etc/group", 0o644, 0, "root:x:0:\nnonroot:x:65532:\n"},
		{"home/", 0o755, 0, ""},
		{"home/nonroot/", 0o700, nonroot, ""},
		{"root/", 0o700, 0, ""},
		{"tmp/", 0o1777, 0, ""},
	}
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: epoch, Format: tar.FormatPAX}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.contents))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, e.contents); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

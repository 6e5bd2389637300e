// The base image of make image (docs/serve.md): written locally, so that
// ko builds the image of syncgate with no registry and no Docker daemon.
// Kept out of the main module so that syncgate never depends on
// go-containerregistry.
module github.com/syncgate/syncgate/tools/image

go 1.26.8

require github.com/google/go-containerregistry v0.21.7

require (
	github.com/klauspost/compress v1.18.6 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	golang.org/x/sync v0.21.0 // indirect
)

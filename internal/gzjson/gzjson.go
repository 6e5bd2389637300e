// Package gzjson decodes the gzip-compressed JSON data that syncgate
// embeds: the built-in schema sets and the CRD catalogue.
package gzjson

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
)

// Decode decompresses b and decodes its JSON into v.
func Decode(b []byte, v any) error {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

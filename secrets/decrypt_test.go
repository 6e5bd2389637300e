package secrets

import (
	"os"
	"strings"
	"testing"
)

// Decrypter decrypts a SOPS Secret for one of its recipients only, and
// its errors hold no value.
func TestDecrypter(t *testing.T) {
	other, err := os.ReadFile(fixtures + "/age-other-key.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, file string
		want            string // stringData.DB_PASSWORD, else in the error
	}{
		{name: "recipient", key: testKey(t), file: "sops/valid.sops.yaml", want: "fixture-password-1f8a2c7e"},
		{name: "not a recipient", key: string(other), file: "sops/valid.sops.yaml", want: "no age identity given is a recipient"},
		// The MAC is not verified from decoded content: the secrets stage
		// reports it on the file.
		{name: "tampered metadata", key: testKey(t), file: "sops/tampered.sops.yaml", want: "fixture-password-1f8a2c7e"},
		{name: "malformed metadata", key: testKey(t), file: "sops/malformed.sops.yaml", want: "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decrypt, err := Decrypter(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			obj := decodeFixture(t, tt.file)[0]
			got, err := decrypt(obj.Content)
			if err != nil {
				if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "fixture-password") {
					t.Errorf("error %q, want one saying %q without the value", err, tt.want)
				}
				return
			}
			if _, ok := got["sops"]; ok {
				t.Error("the decrypted object keeps its sops key")
			}
			if v := nestedMap(got, "stringData")["DB_PASSWORD"]; v != tt.want {
				t.Errorf("DB_PASSWORD = %v, want %s", v, tt.want)
			}
		})
	}
	if _, err := Decrypter("not an age key"); err == nil {
		t.Error("Decrypter accepted a key file without identities")
	}
}

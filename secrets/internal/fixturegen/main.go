// Command fixturegen writes the SOPS and SealedSecret fixtures of the
// secrets stage: the test fixtures under testdata/secrets and the secrets
// of the examples. SOPS files are encrypted with the sops library for the
// TEST-ONLY age keys in testdata/secrets (made on the first run);
// SealedSecrets are sealed as kubeseal seals them, for a throwaway RSA key
// that is not kept. Ciphertext differs on every run; run it from the
// repository root after changing a fixture, naming the fixtures to write
// (all of them when none is named):
//
//	go run ./secrets/internal/fixturegen [path...]
package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/getsops/sops/v3"
	sopsaes "github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keys"
	sopsjson "github.com/getsops/sops/v3/stores/json"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
)

// sopsVersion is the sops release the fixtures are written as.
const sopsVersion = "3.13.3"

const keyHeader = "# TEST-ONLY age key of syncgate's secrets fixtures. It protects nothing;\n# never use it for a real secret.\n"

func main() {
	log.SetFlags(0)
	testKey := ageKey("testdata/secrets/age-test-key.txt")
	otherKey := ageKey("testdata/secrets/age-other-key.txt")
	sealKey, err := rsa.GenerateKey(rand.Reader, 2048)
	check(err)
	for _, f := range fixtures {
		if len(os.Args) > 1 && !slices.Contains(os.Args[1:], f.path) {
			continue
		}
		recipient := testKey
		if f.recipient == "other" {
			recipient = otherKey
		}
		var out []byte
		switch f.kind {
		case "sops":
			out = encrypt(f.plain, recipient, f.encryptedRegex, filepath.Ext(f.path) == ".json", f.after)
		case "sealed":
			out = []byte(seal(f.plain, &sealKey.PublicKey))
		}
		check(os.MkdirAll(filepath.Dir(f.path), 0o755))
		check(os.WriteFile(f.path, out, 0o644))
		fmt.Println("wrote", f.path)
	}
}

// ageKey reads a TEST-ONLY age identity file, making it if it is missing,
// and returns its recipient.
func ageKey(file string) string {
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		id, err := age.GenerateX25519Identity()
		check(err)
		data = []byte(keyHeader + "# public key: " + id.Recipient().String() + "\n" + id.String() + "\n")
		check(os.WriteFile(file, data, 0o600))
	} else {
		check(err)
	}
	ids, err := age.ParseIdentities(strings.NewReader(string(data)))
	check(err)
	return ids[0].(*age.X25519Identity).Recipient().String()
}

// encrypt encrypts a plain YAML document as sops --encrypt would, with
// encryptedRegex (or sops' default rules when ""), then applies after to
// the encrypted tree to make a broken fixture; json writes it as JSON.
func encrypt(plain, recipient, encryptedRegex string, json bool, after func(*sops.Tree)) []byte {
	store := sopsyaml.NewStore(&config.YAMLStoreConfig{})
	branches, err := store.LoadPlainFile([]byte(plain))
	check(err)
	key, err := sopsage.MasterKeyFromRecipient(recipient)
	check(err)
	tree := sops.Tree{Branches: branches, Metadata: sops.Metadata{
		KeyGroups:      []sops.KeyGroup{{keys.MasterKey(key)}},
		EncryptedRegex: encryptedRegex,
		Version:        sopsVersion,
		LastModified:   time.Now().UTC().Truncate(time.Second),
	}}
	if encryptedRegex == "" {
		tree.Metadata.UnencryptedSuffix = sops.DefaultUnencryptedSuffix
	}
	dataKey := make([]byte, 32)
	_, err = rand.Read(dataKey)
	check(err)
	check(key.Encrypt(dataKey))
	c := sopsaes.NewCipher()
	mac, err := tree.Encrypt(dataKey, c)
	check(err)
	tree.Metadata.MessageAuthenticationCode, err = c.Encrypt(mac, dataKey, tree.Metadata.LastModified.Format(time.RFC3339))
	check(err)
	if after != nil {
		after(&tree)
	}
	emit := sops.EncryptedFileEmitter(store)
	if json {
		emit = sopsjson.NewStore(&config.JSONStoreConfig{})
	}
	out, err := emit.EmitEncryptedFile(tree)
	check(err)
	return out
}

// set replaces the value at a path of keys in a tree's first branch,
// adding it when missing.
func set(value any, path ...any) func(*sops.Tree) {
	return func(t *sops.Tree) {
		b, _ := t.Branches[0].Set(path, value)
		t.Branches[0] = b
	}
}

// seal turns the stringData of a plain Secret-like SealedSecret document
// into encryptedData, sealing each value as kubeseal does for the scope its
// annotations give: RSA-OAEP (SHA-256, label by scope) of a fresh AES key,
// then AES-GCM with a zero nonce.
func seal(doc string, pub *rsa.PublicKey) string {
	var out strings.Builder
	label := ""
	name, namespace := field(doc, "  name: "), field(doc, "  namespace: ")
	switch {
	case strings.Contains(doc, "cluster-wide: \"true\""):
	case strings.Contains(doc, "namespace-wide: \"true\""):
		label = namespace
	default:
		label = namespace + "/" + name
	}
	inData := false
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case line == "  encryptedData:":
			inData = true
		case inData && strings.HasPrefix(line, "    ") && strings.Contains(line, ": "):
			k, v, _ := strings.Cut(strings.TrimSpace(line), ": ")
			line = "    " + k + ": " + sealValue(v, label, pub)
		default:
			inData = strings.HasPrefix(line, "    ") && inData
		}
		out.WriteString(line + "\n")
	}
	return strings.TrimSuffix(out.String(), "\n")
}

func sealValue(plain, label string, pub *rsa.PublicKey) string {
	session := make([]byte, 32)
	_, err := rand.Read(session)
	check(err)
	rsaCT, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, session, []byte(label))
	check(err)
	block, err := aes.NewCipher(session)
	check(err)
	gcm, err := cipher.NewGCM(block)
	check(err)
	sealed := binary.BigEndian.AppendUint16(nil, uint16(len(rsaCT)))
	sealed = append(sealed, rsaCT...)
	sealed = gcm.Seal(sealed, make([]byte, gcm.NonceSize()), []byte(plain), nil)
	return base64.StdEncoding.EncodeToString(sealed)
}

// field returns the value of the first line starting with prefix.
func field(doc, prefix string) string {
	for _, line := range strings.Split(doc, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

package secrets

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

func TestParseCreationRules(t *testing.T) {
	const config = `creation_rules:
  - path_regex: ^prod/
    key_groups:
      - age: [age1aaa, age1bbb]
        kms:
          - arn: arn:aws:kms:eu-west-1:111122223333:key/abc
            role: arn:aws:iam::111122223333:role/sops
        pgp: ["85D7 7543 B3D6 24B6 3CEA 9E6D BC17 301B 491B 3F21"]
  - path_regex: ^dev/
    age: age1ccc, age1ddd
    kms: arn:aws:kms:eu-west-1:111122223333:key/def+arn:aws:iam::111122223333:role/x
    gcp_kms: projects/p/locations/global/keyRings/r/cryptoKeys/k
    azure_keyvault: https://v.vault.azure.net/keys/sops/1234
    hc_vault_transit_uri: https://vault:8200/v1/sops/keys/k
  - age: age1eee
`
	rules, err := parseCreationRules(".sops.yaml", []byte(config), manifest.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, r := range rules {
		got = append(got, r.recipients)
	}
	want := [][]string{
		{"age:age1aaa", "age:age1bbb", "kms:arn:aws:kms:eu-west-1:111122223333:key/abc", "pgp:85D77543B3D624B63CEA9E6DBC17301B491B3F21"},
		{"age:age1ccc", "age:age1ddd", "azure_kv:https://v.vault.azure.net/keys/sops/1234", "gcp_kms:projects/p/locations/global/keyRings/r/cryptoKeys/k", "hc_vault:https://vault:8200/v1/sops/keys/k", "kms:arn:aws:kms:eu-west-1:111122223333:key/def"},
		{"age:age1eee"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recipients (-want +got):\n%s", diff)
	}
	if rules[2].pathRegex != nil || !rules[0].pathRegex.MatchString("prod/db.sops.yaml") {
		t.Error("path_regex not read")
	}
	for _, bad := range []string{"creation_rules: [5]\n", "creation_rules: [{path_regex: '('}]\n"} {
		if _, err := parseCreationRules(".sops.yaml", []byte(bad), manifest.Limits{}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

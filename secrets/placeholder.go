package secrets

import (
	"regexp"
	"strings"
)

// placeholder matches the references that tools resolve at sync time, so
// that the value in Git is not the secret:
//   - argocd-vault-plugin: <path:secret/data/app#key>, and <key> in a
//     Secret annotated with avp.kubernetes.io/path (avpKey below);
//   - Flux post-build substitution: ${var}, ${var:=default};
//   - bank-vaults: vault:secret/data/app#key;
//   - vals and helm-secrets: ref+vault://..., ref+awssecrets://..., ref+sops://...
var placeholder = regexp.MustCompile(`<path:[^>\s]+>|\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[=-][^}]*)?\}|^vault:[^\s#]+#[^\s]+$|ref\+[a-z0-9]+://\S+`)

// avpKey matches argocd-vault-plugin's short form, <key>, valid only in
// objects that name the Vault path in an avp.kubernetes.io/path annotation.
var avpKey = regexp.MustCompile(`^<\s*[A-Za-z0-9_.-]+\s*>$`)

// avpPathAnnotation is argocd-vault-plugin's annotation naming the Vault
// path of an object's <key> placeholders.
const avpPathAnnotation = "avp.kubernetes.io/path"

// isPlaceholder reports whether a value is a reference a sync-time tool
// replaces, not a secret. A value holding a placeholder among other text
// (a connection string whose password is ${DB_PASSWORD}) counts: what is
// secret is substituted. The credential rules still see every value.
func isPlaceholder(value string, avpAnnotated bool) bool {
	v := strings.TrimSpace(value)
	if avpAnnotated && avpKey.MatchString(v) {
		return true
	}
	return placeholder.MatchString(v)
}

// Package secrets is syncgate's secret-hygiene stage. It is the one stage
// that looks at secret values, and it never lets one out: findings carry
// the rule, the object, the key path and at most a four-character hint.
//
// It checks rendered objects (Scanner.Objects: plaintext Secrets,
// SealedSecrets, SOPS objects, credentials in every string) and the
// repository's raw files (Scanner.Files: SOPS files against .sops.yaml,
// kustomize secretGenerators, Helm values files, credentials in text
// files). With an age key it decrypts SOPS files in memory to verify their
// MAC and hands decrypted objects to the later stages (Scanner.Prepare).
package secrets

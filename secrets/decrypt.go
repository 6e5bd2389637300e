package secrets

import "errors"

// Decrypter returns a function that decrypts a SOPS-encrypted object (its
// decoded content) in memory with the age identities of ageKeys, and
// returns it without its sops key: what render.Options.DecryptSOPS takes.
// Key order is lost in decoded content, so the MAC is not verified here;
// the secrets stage verifies it on the file. Its errors never hold a
// value.
func Decrypter(ageKeys string) (func(content map[string]any) (map[string]any, error), error) {
	ids, recipients, err := parseAgeKeys(ageKeys)
	if err != nil {
		return nil, err
	}
	s := &Scanner{identities: ids, recipients: recipients}
	return func(content map[string]any) (map[string]any, error) {
		d, err := parseSOPSContent(content)
		if err != nil {
			return nil, errors.New("its SOPS metadata is malformed")
		}
		branches, err := s.decrypt(d, false)
		if err != nil {
			return nil, err
		}
		return contentOf(branches), nil
	}, nil
}

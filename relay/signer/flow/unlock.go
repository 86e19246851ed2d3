package flow

import "crypto/ecdsa"

// confirm asks question unless --yes was given; a "no" is ErrNotConfirmed.
func (s *Scanner) confirm(question string) error {
	if s.Yes {
		return nil
	}
	ok, err := s.Prompt.Confirm(question)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotConfirmed
	}
	return nil
}

// unlock asks cn's passphrase, unlocks the signing key (the passphrase is
// wiped at once) and returns it with the certificate chain to submit.
func (s *Scanner) unlock(cn string) (*ecdsa.PrivateKey, string, error) {
	pass, err := s.Prompt.Passphrase(s.tr("passphrase", cn))
	if err != nil {
		return nil, "", err
	}
	key, err := s.Keystore.Unlock(pass)
	clear(pass)
	if err != nil {
		return nil, "", err
	}
	chain, err := s.Keystore.SubmitChainPEM()
	if err != nil {
		return nil, "", err
	}
	return key, chain, nil
}

package main

import (
	"log/slog"

	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/fabricca"
	"github.com/qrsign/qrsign/relay/service"
)

// enrollment is POST /v1/enroll's link to the org's Fabric CA (ca.url and
// ca.tlsCertFile); without ca.url the endpoint answers ENROLL_DISABLED.
func enrollment(cfg *config.Config, log *slog.Logger) (*service.Enrollment, error) {
	e := &service.Enrollment{MSPID: cfg.Gateway.MSPID, Log: log}
	if cfg.CA.URL == "" {
		return e, nil
	}
	en := &fabricca.Enroller{URL: cfg.CA.URL}
	if cfg.CA.TLSCertFile != "" {
		hc, err := fabricca.HTTPClientTrusting(cfg.CA.TLSCertFile)
		if err != nil {
			return nil, err
		}
		en.HTTP = hc
	}
	e.CA = en
	return e, nil
}

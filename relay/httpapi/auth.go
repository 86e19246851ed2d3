package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/login"
)

// keyring checks API keys in constant time: every configured key is
// compared (as SHA-256 digests, so lengths do not leak) on every request.
type keyring struct{ keys []apiKey }

type apiKey struct {
	name   string
	digest [32]byte
	scopes map[string]bool
}

func newKeyring(cfg []config.APIKey) *keyring {
	k := &keyring{}
	for _, c := range cfg {
		sc := map[string]bool{}
		for _, s := range c.Scopes {
			sc[s] = true
		}
		if sc[config.ScopeWrite] {
			sc[config.ScopeRead] = true // write implies read
		}
		k.keys = append(k.keys, apiKey{name: c.Name, digest: sha256.Sum256([]byte(c.Key)), scopes: sc})
	}
	return k
}

// lookup returns the key matching presented, if any.
func (k *keyring) lookup(presented string) *apiKey {
	d := sha256.Sum256([]byte(presented))
	var found *apiKey
	for i := range k.keys {
		if subtle.ConstantTimeCompare(d[:], k.keys[i].digest[:]) == 1 {
			found = &k.keys[i]
		}
	}
	return found
}

// presentedKey reads "Authorization: Bearer <key>" or "X-API-Key: <key>".
func presentedKey(c echo.Context) string {
	h := c.Request().Header
	if v := h.Get("X-API-Key"); v != "" {
		return v
	}
	if v := h.Get("Authorization"); len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return ""
}

const ctxKeyName = "qrsign.apiKey"

func (s *Server) authenticate(c echo.Context, scope string) error {
	p := presentedKey(c)
	if p == "" {
		return fault.New(fault.CodeUnauthorized, "an API key is required (Authorization: Bearer <key> or X-API-Key)")
	}
	if login.IsSessionToken(p) {
		return login.ErrScope("a sign-in session reads only its signer's records and pending list; this needs an API key")
	}
	k := s.keys.lookup(p)
	if k == nil {
		return fault.New(fault.CodeUnauthorized, "the API key is not valid")
	}
	if !k.scopes[scope] {
		return fault.Newf(model.CodeForbidden, "the API key %q lacks scope %s", k.name, scope)
	}
	c.Set(ctxKeyName, k.name)
	return nil
}

// requireScope admits requests with an API key holding scope.
func (s *Server) requireScope(scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := s.authenticate(c, scope); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// readAccess admits an API key with documents:read, or a valid session
// token (?token=) issued for the document in the path: a signer may read
// what they are asked to sign.
func (s *Server) readAccess(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if tok := c.QueryParam("token"); tok != "" && presentedKey(c) == "" {
			claims, err := s.svc.VerifyToken(tok)
			if err != nil {
				return err
			}
			if !s.svc.TokenCoversDocument(claims, c.Param("id")) {
				return fault.New(fault.CodeTokenInvalid, "the session token is for another document")
			}
			c.Set(ctxKeyName, "session:"+claims.MSPID+"/"+claims.SignerID)
			c.Set(ctxKeyTokenExpiry, time.Unix(claims.Expiry, 0))
			return next(c)
		}
		if err := s.authenticate(c, config.ScopeRead); err != nil {
			return err
		}
		return next(c)
	}
}

// ctxKeyTokenExpiry holds when the session token that authorized the request expires.
const ctxKeyTokenExpiry = "qrsign.tokenExpiry"

func caller(c echo.Context) string {
	if v, ok := c.Get(ctxKeyName).(string); ok {
		return v
	}
	return ""
}

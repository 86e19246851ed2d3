package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/login"
	"github.com/qrsign/qrsign/relay/oplog"
	"github.com/qrsign/qrsign/relay/qr"
)

// mountLogin sets up sign-in with QR (relay/login) and its routes. Without a
// token key (it is read from cfg.TokenKeyFile when opt.Login is nil) the
// routes answer 404.
func (s *Server) mountLogin(e *echo.Echo, opt Options, jsonLimit echo.MiddlewareFunc) {
	s.login = opt.Login
	if s.login == nil {
		if key, err := s.cfg.LoadTokenKey(); err == nil {
			l := s.cfg.Login
			s.login, _ = login.New(key, s.svc.SignInTrust(), login.Options{PublicURL: s.cfg.PublicURL, Channel: s.cfg.Channel,
				MSPID: s.cfg.Gateway.MSPID, ChallengeTTL: l.ChallengeTTL.D(), SessionTTL: l.SessionTTL.D(), MaxPending: l.MaxPending,
				MaxPerClient: 2 * l.ChallengeBurst, Now: func() time.Time { return s.svc.Now() }, Log: s.logger})
		} else {
			s.logger.Warn("sign-in with QR is off: no token key", "err", err)
		}
	}
	s.loginLimit = newLimiter(s.cfg.Login.ChallengesPerMinute/60, s.cfg.Login.ChallengeBurst, time.Now)
	e.POST("/v1/login/challenges", s.createLoginChallenge)
	e.GET("/v1/login/challenges/:challengeId", s.pollLogin)
	e.GET("/v1/login/challenges/:challengeId/qr.png", s.loginQR)
	e.GET("/v1/login/:token", s.describeLogin)
	e.POST("/v1/callbacks/login", s.loginCallback, jsonLimit)
	e.POST("/v1/login/logout", s.logout)
}

func (s *Server) loginOn() error {
	if s.login == nil {
		return fault.New(fault.CodeNotFound, "sign-in with QR is not enabled on this relay")
	}
	return nil
}

// createLoginChallenge: no auth, limited per client key beyond the global
// limit, and so are the challenges one client holds open.
func (s *Server) createLoginChallenge(c echo.Context) error {
	if err := s.loginOn(); err != nil {
		return err
	}
	key := clientKey(c)
	if ok, wait := s.loginLimit.allow(key); !ok {
		p := fault.New(fault.CodeRateLimited, "too many sign-in challenges from this client; slow down")
		p.RetryAfter = int(wait/time.Second) + 1
		return p
	}
	ch, err := s.login.CreateFor(login.Requester{IP: c.RealIP(), UserAgent: c.Request().UserAgent(), Client: key})
	if err != nil {
		return err
	}
	s.metrics.Login.WithLabelValues("challenge", "ok").Inc()
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, ch)
}

func (s *Server) loginQR(c echo.Context) error {
	if err := s.loginOn(); err != nil {
		return err
	}
	size := qr.DefaultSize
	if v := c.QueryParam("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < qr.MinSize || n > qr.MaxSize {
			return fault.Newf(model.CodeInvalidField, "size must be an integer %d..%d", qr.MinSize, qr.MaxSize)
		}
		size = n
	}
	u, match, err := s.login.QRContent(c.Param("challengeId"))
	if err != nil {
		return err
	}
	png, err := qr.Render(u, size) // one-off: not worth a cache slot
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Match-Code", match)
	return c.Blob(http.StatusOK, "image/png", png)
}

func (s *Server) describeLogin(c echo.Context) error {
	if err := s.loginOn(); err != nil {
		return err
	}
	info, err := s.login.Describe(c.Param("token"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, info)
}

func (s *Server) loginCallback(c echo.Context) error {
	if err := s.loginOn(); err != nil {
		return err
	}
	start := time.Now()
	var req api.LoginCallbackRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res, err := s.login.Approve(c.Request().Context(), req)
	e := oplog.Entry{RequestID: requestID(c), ClientIP: c.RealIP(), Op: "login", Result: "ok", Millis: time.Since(start).Milliseconds()}
	if err != nil {
		e.Result = string(s.toFault(err).Code)
	} else {
		e.Who, e.DocumentID = res.Signer.Key(), res.ChallengeID
	}
	s.svc.Ops.Write(e)
	s.metrics.Login.WithLabelValues("callback", e.Result).Inc()
	if err != nil {
		return err
	}
	s.log(c).Info("signed in with QR", "signer", res.Signer.Key(), "challengeId", res.ChallengeID)
	return c.JSON(http.StatusOK, res)
}

func (s *Server) pollLogin(c echo.Context) error {
	if err := s.loginOn(); err != nil {
		return err
	}
	res, err := s.login.Poll(c.Param("challengeId"), presentedKey(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, res)
}

func (s *Server) logout(c echo.Context) error {
	if err := s.loginOn(); err != nil {
		return err
	}
	sess, err := s.login.Logout(presentedKey(c))
	if err != nil {
		return err
	}
	s.log(c).Info("signed out", "signer", sess.Signer.Key())
	return c.NoContent(http.StatusNoContent)
}

// signerRead admits an API key with documents:read, or a sign-in session of
// the signer named by the path (403 SESSION_SCOPE for another signer).
func (s *Server) signerRead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tok := presentedKey(c)
		if !login.IsSessionToken(tok) || s.login == nil {
			if err := s.authenticate(c, config.ScopeRead); err != nil {
				return err
			}
			return next(c)
		}
		sess, err := s.login.Check(c.Request().Context(), tok)
		if err != nil {
			return err
		}
		msp, id := c.Param("mspId"), c.Param("signerId")
		if v, err := url.PathUnescape(msp); err == nil {
			msp = v
		}
		if v, err := url.PathUnescape(id); err == nil {
			id = v
		}
		if err := sess.Scope(msp, id); err != nil {
			return err
		}
		c.Set(ctxKeyName, "login:"+sess.Signer.Key())
		return next(c)
	}
}

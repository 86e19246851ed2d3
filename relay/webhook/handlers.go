package webhook

import (
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/relay/jsonbody"
)

// Handlers is the HTTP API without HTTP: each method takes the
// authenticated API key name (and the request's parameters) and returns the
// status and the value to render as JSON, or an error (a *fault.Error
// with its status set; other errors are internal). Register mounts them on
// Echo; another router can call them directly.
type Handlers struct{ Svc *Service }

// Created is the answer of Create: the subscription with its secret (shown once).
type Created struct {
	ID        string      `json:"id"`
	URL       string      `json:"url"`
	Events    []EventType `json:"events"`
	Secret    string      `json:"secret"`
	CreatedAt time.Time   `json:"createdAt"`
}

type createRequest struct {
	URL    string      `json:"url"`
	Events []EventType `json:"events"`
}

// Create is POST /v1/webhooks {url, events?} → 201 Created.
func (h Handlers) Create(apiKeyName string, body []byte) (int, any, error) {
	var req createRequest
	if err := jsonbody.Decode(body, &req, "request JSON"); err != nil {
		return 0, nil, err
	}
	sub, err := h.Svc.Subscribe(apiKeyName, req.URL, req.Events)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, Created{ID: sub.ID, URL: sub.URL, Events: sub.Events, Secret: sub.Secret, CreatedAt: sub.CreatedAt}, nil
}

// List is GET /v1/webhooks → 200 {"webhooks": [...]} (no secrets).
func (h Handlers) List(apiKeyName string) (int, any, error) {
	subs, err := h.Svc.List(apiKeyName)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"webhooks": subs}, nil
}

// Delete is DELETE /v1/webhooks/{id} → 204.
func (h Handlers) Delete(apiKeyName, id string) (int, any, error) {
	if err := h.Svc.Unsubscribe(apiKeyName, id); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// Deliveries is GET /v1/webhooks/{id}/deliveries?state=pending|delivered|dead → 200 {"deliveries": [...]}.
func (h Handlers) Deliveries(apiKeyName, id, state string) (int, any, error) {
	ds, err := h.Svc.Deliveries(apiKeyName, id, State(state))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"deliveries": ds}, nil
}

// Replay is POST /v1/webhooks/{id}/deliveries/{deliveryId}/replay → 202 the delivery, pending again.
func (h Handlers) Replay(apiKeyName, id, deliveryID string) (int, any, error) {
	d, err := h.Svc.Replay(apiKeyName, id, deliveryID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, d, nil
}

// Router is what Register needs: *echo.Echo and *echo.Group both fit.
type Router interface {
	Add(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// Register mounts the five routes under /v1/webhooks on r. keyName returns
// the API key name the authentication middleware (in mw, applied to every
// route) established; errors are returned to Echo's error handler.
func Register(r Router, svc *Service, keyName func(echo.Context) string, mw ...echo.MiddlewareFunc) {
	h := Handlers{Svc: svc}
	wrap := func(f func(c echo.Context, key string) (int, any, error)) echo.HandlerFunc {
		return func(c echo.Context) error {
			st, v, err := f(c, keyName(c))
			if err != nil {
				return err
			}
			if v == nil {
				return c.NoContent(st)
			}
			return c.JSON(st, v)
		}
	}
	r.Add(http.MethodPost, "/v1/webhooks", wrap(func(c echo.Context, k string) (int, any, error) {
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return 0, nil, err // *http.MaxBytesError under the relay's body limit
		}
		return h.Create(k, body)
	}), mw...)
	r.Add(http.MethodGet, "/v1/webhooks", wrap(func(c echo.Context, k string) (int, any, error) {
		return h.List(k)
	}), mw...)
	r.Add(http.MethodDelete, "/v1/webhooks/:id", wrap(func(c echo.Context, k string) (int, any, error) {
		return h.Delete(k, c.Param("id"))
	}), mw...)
	r.Add(http.MethodGet, "/v1/webhooks/:id/deliveries", wrap(func(c echo.Context, k string) (int, any, error) {
		return h.Deliveries(k, c.Param("id"), c.QueryParam("state"))
	}), mw...)
	r.Add(http.MethodPost, "/v1/webhooks/:id/deliveries/:deliveryId/replay", wrap(func(c echo.Context, k string) (int, any, error) {
		return h.Replay(k, c.Param("id"), c.Param("deliveryId"))
	}), mw...)
}

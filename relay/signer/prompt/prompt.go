// Package prompt is how the client asks a person things: a yes/no
// confirmation and the passphrase that unlocks the key. The flow takes the
// Prompter interface so tests (and automation) answer without a terminal.
package prompt

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/qrsign/qrsign/relay/i18n"
)

// Prompter asks questions.
type Prompter interface {
	// Confirm asks a yes/no question; only an explicit yes is true.
	Confirm(question string) (bool, error)
	// Passphrase asks for a secret without echoing it.
	Passphrase(prompt string) ([]byte, error)
}

// ErrNoTerminal: a question needs a person but there is no terminal.
var ErrNoTerminal = errors.New("prompt: no terminal to ask on (use --yes / --passphrase-stdin / QRSIGN_PASSPHRASE)")

// Static answers without asking: for tests and automation.
type Static struct {
	Secret []byte
	Yes    bool
}

func (s Static) Confirm(string) (bool, error) { return s.Yes, nil }

func (s Static) Passphrase(string) ([]byte, error) {
	if len(s.Secret) == 0 {
		return nil, errors.New("prompt: no passphrase given")
	}
	return append([]byte(nil), s.Secret...), nil
}

// Terminal asks on the controlling terminal (/dev/tty), so it works even
// when stdin and stdout are redirected.
type Terminal struct {
	Out io.Writer // where questions are written; nil = the terminal
}

func (t Terminal) open() (*os.File, io.Writer, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, ErrNoTerminal
	}
	var out io.Writer = tty
	if t.Out != nil {
		out = t.Out
	}
	return tty, out, nil
}

func (t Terminal) Confirm(q string) (bool, error) {
	tty, out, err := t.open()
	if err != nil {
		return false, err
	}
	defer tty.Close()
	fmt.Fprintf(out, "%s %s ", q, msgs.T(i18n.FromEnv(os.Getenv), "yesNo"))
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil && line == "" {
		return false, err
	}
	return isYes(line), nil
}

// msgs are what the prompts add to a question, by the terminal's language.
var msgs = i18n.Catalog{
	i18n.En: {"yesNo": "[y/N]"},
	i18n.Zh: {"yesNo": "[y/N，是/否]"},
}

// isYes: only an explicit yes, in either language, is a yes.
func isYes(answer string) bool {
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes", "是", "是的":
		return true
	}
	return false
}

func (t Terminal) Passphrase(p string) ([]byte, error) {
	tty, out, err := t.open()
	if err != nil {
		return nil, err
	}
	defer tty.Close()
	fmt.Fprint(out, p)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(out)
	if err != nil {
		return nil, fmt.Errorf("prompt: reading passphrase: %w", err)
	}
	return b, nil
}

// Lines reads passphrases one line each from a reader (stdin with
// --passphrase-stdin); confirmation comes from Yes, never from the reader.
type Lines struct {
	R   io.Reader
	Yes bool

	once sync.Once
	br   *bufio.Reader
}

func (l *Lines) Confirm(string) (bool, error) {
	if !l.Yes {
		return false, errors.New("prompt: confirmation needs a terminal; pass --yes with --passphrase-stdin")
	}
	return true, nil
}

func (l *Lines) Passphrase(string) ([]byte, error) {
	l.once.Do(func() { l.br = bufio.NewReader(l.R) })
	line, err := l.br.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return nil, fmt.Errorf("prompt: reading passphrase from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return nil, errors.New("prompt: empty passphrase on stdin")
	}
	return []byte(line), nil
}

// Mixed confirms with one prompter and asks passphrases with another.
type Mixed struct {
	Confirmer, Secrets Prompter
}

func (m Mixed) Confirm(q string) (bool, error)      { return m.Confirmer.Confirm(q) }
func (m Mixed) Passphrase(p string) ([]byte, error) { return m.Secrets.Passphrase(p) }

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

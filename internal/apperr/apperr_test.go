package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeAndMessageThroughWrapping(t *testing.T) {
	base := Errorf(Invalid, "first must be at most %d", 100)
	wrapped := fmt.Errorf("resolving districts: %w", base)
	if got := CodeOf(wrapped); got != Invalid {
		t.Fatalf("CodeOf = %q, want invalid", got)
	}
	if got := MessageOf(wrapped); got != "first must be at most 100" {
		t.Fatalf("MessageOf = %q", got)
	}
}

func TestInternalMessagesAreHidden(t *testing.T) {
	cause := errors.New("code: 60, message: Table camino.secret doesn't exist")
	for _, err := range []error{cause, Wrap(Internal, cause, "query failed")} {
		if got := MessageOf(err); got != "internal error" {
			t.Fatalf("MessageOf(%v) = %q, want internal error", err, got)
		}
		if got := CodeOf(err); got != Internal {
			t.Fatalf("CodeOf(%v) = %q", err, got)
		}
	}
}

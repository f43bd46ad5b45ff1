package link

import (
	"context"
	"sync"
	"time"
)

// Lock-out defaults (HostConfig.MACFailureLimit, LockoutWindow, LockoutDuration).
const (
	DefaultMACFailureLimit = 10
	DefaultLockoutWindow   = 10 * time.Minute
	DefaultLockoutDuration = 15 * time.Minute
)

// Alarm kinds a Host raises (HostConfig.Alarm).
const (
	AlarmMACFailures     = "mac-failures"     // a terminal or an address sent too many requests that failed their MAC
	AlarmUnknownTerminal = "unknown-terminal" // an address named too many terminals that are not registered
	AlarmSignInRate      = "sign-in-rate"     // a terminal signed in too often
)

// HostAlarm is a security event for operators: log it, page someone.
type HostAlarm struct {
	Kind     string
	Terminal string // "" when the alarm is about an address
	Remote   string
	Count    int
	Until    time.Time // the lock-out's end
}

// lockout counts failures per key (terminal ID or source address) over a
// window and locks the key for a while when they reach the limit. It is
// per host process: each host of a shared store guards itself.
type lockout struct {
	mu sync.Mutex
	m  map[string]*failures
}

type failures struct {
	start  time.Time
	n      int
	locked time.Time // locked until
}

// fail records a failure and reports whether the key is now locked (and
// whether it just became so).
func (l *lockout) fail(key string, now time.Time, limit int, window, dur time.Duration) (locked, newly bool, n int, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[string]*failures)
	}
	if len(l.m) > 1<<16 {
		for k, f := range l.m {
			if now.Sub(f.start) > window && now.After(f.locked) {
				delete(l.m, k)
			}
		}
	}
	f := l.m[key]
	if f == nil || (now.Sub(f.start) > window && now.After(f.locked)) {
		f = &failures{start: now}
		l.m[key] = f
	}
	f.n++
	if now.Before(f.locked) {
		return true, false, f.n, f.locked
	}
	if f.n >= limit {
		f.locked = now.Add(dur)
		return true, true, f.n, f.locked
	}
	return false, false, f.n, time.Time{}
}

// isLocked reports whether key is locked out.
func (l *lockout) isLocked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.m[key]
	return f != nil && now.Before(f.locked)
}

func (h *Host) lockoutParams() (int, time.Duration, time.Duration) {
	limit, window, dur := h.cfg.MACFailureLimit, h.cfg.LockoutWindow, h.cfg.LockoutDuration
	if limit == 0 {
		limit = DefaultMACFailureLimit
	}
	if window <= 0 {
		window = DefaultLockoutWindow
	}
	if dur <= 0 {
		dur = DefaultLockoutDuration
	}
	return limit, window, dur
}

// failure counts a failed request against the terminal (if known) and the
// source address, raising an alarm when either becomes locked out. It
// reports whether the request should go unanswered (locked out: no more
// answers to probe with).
func (h *Host) failure(ctx context.Context, kind, tid string) bool {
	limit, window, dur := h.lockoutParams()
	if limit < 0 {
		return false
	}
	now := h.now()
	src := remoteIP(ctx)
	silent := false
	for _, k := range []struct{ key, tid, remote string }{{"t/" + tid, tid, ""}, {"a/" + src, "", src}} {
		if (k.tid == "" && k.remote == "") || (k.tid != "" && kind != AlarmMACFailures) {
			continue
		}
		locked, newly, n, until := h.locks.fail(k.key, now, limit, window, dur)
		if locked {
			silent = true
		}
		if newly {
			a := HostAlarm{Kind: kind, Terminal: k.tid, Remote: k.remote, Count: n, Until: until}
			h.logger().Error("link: host: ALARM: locked out", "alarm", a.Kind, "terminal", a.Terminal, "remote", a.Remote, "failures", a.Count, "until", a.Until.Format(time.RFC3339))
			if h.cfg.Alarm != nil {
				h.cfg.Alarm(a)
			}
		}
	}
	return silent
}

// sourceLocked reports whether the request's source address is locked
// out.
func (h *Host) sourceLocked(ctx context.Context) bool {
	limit, _, _ := h.lockoutParams()
	if limit < 0 {
		return false
	}
	src := remoteIP(ctx)
	return src != "" && h.locks.isLocked("a/"+src, h.now())
}

func remoteIP(ctx context.Context) string {
	if a := RemoteAddr(ctx); a != nil {
		return sourceOf(a)
	}
	return ""
}

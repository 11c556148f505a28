package random

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
)

// Character sets, as in terraform-provider-random.
const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

// params are the generation parameters of RandomPassword / RandomString.
type params struct {
	length          int
	upper           bool
	lower           bool
	numeric         bool
	special         bool
	minUpper        int
	minLower        int
	minNumeric      int
	minSpecial      int
	overrideSpecial *string
}

func (p params) specialSet() string {
	if p.overrideSpecial != nil && *p.overrideSpecial != "" {
		return *p.overrideSpecial
	}
	return specialChars
}

// validate checks the constraints that upstream enforces.
func (p params) validate() error {
	if p.length < 1 {
		return fmt.Errorf("length must be at least 1, got %d", p.length)
	}
	for name, v := range map[string]int{"minUpper": p.minUpper, "minLower": p.minLower,
		"minNumeric": p.minNumeric, "minSpecial": p.minSpecial} {
		if v < 0 {
			return fmt.Errorf("%s must be 0 or more, got %d", name, v)
		}
	}
	sum := p.minUpper + p.minLower + p.minNumeric + p.minSpecial
	if p.length < sum {
		return fmt.Errorf("length (%d) must be at least the sum of minUpper, minLower, minNumeric and minSpecial (%d)",
			p.length, sum)
	}
	if p.length > sum && len(p.charset()) == 0 {
		return errors.New("no characters to choose from: enable at least one of upper, lower, numeric, special " +
			"(or make the minimums add up to length)")
	}
	return nil
}

func (p params) charset() []rune {
	var s string
	if p.upper {
		s += upperChars
	}
	if p.lower {
		s += lowerChars
	}
	if p.numeric {
		s += numericChars
	}
	if p.special {
		s += p.specialSet()
	}
	return []rune(s)
}

func randIndex(n int) (int, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, err
	}
	return int(i.Int64()), nil
}

func pick(set []rune, n int, out []rune) ([]rune, error) {
	for range n {
		i, err := randIndex(len(set))
		if err != nil {
			return nil, err
		}
		out = append(out, set[i])
	}
	return out, nil
}

// generate returns a random string: first the required minimum of each class
// (as upstream, a minimum applies even if its class is otherwise disabled),
// then characters from the enabled classes, shuffled with crypto/rand.
func generate(p params) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	out := make([]rune, 0, p.length)
	var err error
	for _, m := range []struct {
		set string
		n   int
	}{{upperChars, p.minUpper}, {lowerChars, p.minLower}, {numericChars, p.minNumeric}, {p.specialSet(), p.minSpecial}} {
		if out, err = pick([]rune(m.set), m.n, out); err != nil {
			return "", err
		}
	}
	if rest := p.length - len(out); rest > 0 {
		if out, err = pick(p.charset(), rest, out); err != nil {
			return "", err
		}
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := randIndex(i + 1)
		if err != nil {
			return "", err
		}
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

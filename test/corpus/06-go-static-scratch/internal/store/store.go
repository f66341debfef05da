package store

import "net/http"

type Store struct{ items []string }

func New() *Store { return &Store{items: []string{"bolt", "nut"}} }

func (s *Store) List(w http.ResponseWriter, _ *http.Request) {
	for _, i := range s.items {
		_, _ = w.Write([]byte(i + "\n"))
	}
}

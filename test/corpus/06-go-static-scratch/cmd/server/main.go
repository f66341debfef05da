package main

import (
	"log"
	"net/http"

	"example.com/inventory/internal/store"
)

func main() {
	s := store.New()
	http.HandleFunc("/items", s.List)
	log.Fatal(http.ListenAndServe(":8080", nil))
}

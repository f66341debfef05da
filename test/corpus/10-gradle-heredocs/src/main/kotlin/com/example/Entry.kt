package com.example

data class Entry(val account: String, val cents: Long)

package com.example.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProductTest {
    @Test
    void keepsSku() {
        assertEquals("S-1", new Product("S-1", "Bolt").sku());
    }
}

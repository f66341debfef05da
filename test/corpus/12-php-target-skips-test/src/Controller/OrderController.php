<?php

namespace App\Controller;

final class OrderController
{
    public function list(): array
    {
        return ['A-1'];
    }
}

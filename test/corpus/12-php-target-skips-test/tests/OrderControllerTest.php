<?php

use App\Controller\OrderController;
use PHPUnit\Framework\TestCase;

final class OrderControllerTest extends TestCase
{
    public function testList(): void
    {
        $this->assertSame(['A-1'], (new OrderController())->list());
    }
}

import express from 'express';
import { orders } from './orders.js';

const app = express();
const port: number = Number(process.env.PORT ?? 3000);
app.get('/orders', (_req, res) => res.json(orders()));
app.listen(port);

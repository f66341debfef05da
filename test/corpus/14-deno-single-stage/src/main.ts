import { Application } from "@oak/oak";
import { greet } from "./greet.ts";

const app = new Application();
app.use((ctx) => {
  ctx.response.body = greet("world");
});
await app.listen({ port: 8000 });

// Shutdown shared by the link's HTTP helpers: on SIGTERM or SIGINT (and on whatever else
// the caller wires to the returned function) close every connection and exit 0.

/** @param {import('node:http').Server} server @returns {() => void} */
export function exitOnSignals(server) {
  const exit = () => {
    server.closeAllConnections();
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
  return exit;
}

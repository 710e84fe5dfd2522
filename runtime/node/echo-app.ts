import { defineNodeApp } from './app';

/** The default app: every message goes back to its sender, text as text and binary as binary. */
export default defineNodeApp(() => ({
  message(conn, data, isBinary) {
    conn.send(data, isBinary);
  },
}));

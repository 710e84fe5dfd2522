import { Gauge } from 'prom-client';
import { defineNodeApp } from '../../runtime/node/app';
import { ChatRoom } from './room';

/** The chat room as an in-process app: `npm start -- --app examples/chat`. */
export default defineNodeApp((node) => {
  const room = new ChatRoom();
  new Gauge({
    name: 'chat_members',
    help: 'Members of this node’s chat room',
    registers: [node.metrics],
    collect() {
      this.set(room.size);
    },
  });
  node.log.info({ nodeId: node.nodeId }, 'chat room open');
  return {
    open(conn) {
      room.join({ id: conn.id, name: conn.identity.subject, send: (text) => conn.send(text) });
    },
    message(conn, data, isBinary) {
      room.say(conn.id, isBinary ? undefined : data.toString());
    },
    close(conn) {
      room.leave(conn.id);
    },
    drain() {
      room.closing();
    },
  };
});

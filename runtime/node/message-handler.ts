import type { RawData } from 'ws';

/** What the node does with a client's messages; the default echoes. */
export interface MessageHandler {
  onMessage(
    data: RawData,
    isBinary: boolean,
    reply: (data: RawData | string, isBinary: boolean) => void,
  ): void;
}

export const echoHandler: MessageHandler = {
  onMessage(data, isBinary, reply) {
    reply(data, isBinary);
  },
};

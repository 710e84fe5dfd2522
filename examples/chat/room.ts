/**
 * One chat room with presence, knowing nothing of how members are connected: the in-process app (app.ts) and the
 * sidecar upstream (upstream.ts) both drive it. Members are the connections of ONE node: a room that spans nodes
 * needs a backplane (docs/node-app.md#cross-node-messaging).
 */

/** What the room sends, as JSON text. */
export type ChatEvent =
  | { type: 'welcome'; you: string; members: string[] }
  | { type: 'joined'; who: string }
  | { type: 'left'; who: string }
  | { type: 'message'; from: string; text: string }
  | { type: 'closing' }
  | { type: 'error'; reason: string };

export interface Member {
  /** The connection's id (two tabs of one user are two members). */
  id: string;
  /** The verified subject: never taken from what the client sends. */
  name: string;
  send(text: string): void;
}

/** Longest chat line accepted, in UTF-16 code units. */
export const MAX_TEXT = 1000;

export class ChatRoom {
  private readonly members = new Map<string, Member>();
  private isClosing = false;

  join(member: Member): void {
    this.members.set(member.id, member);
    member.send(event({ type: 'welcome', you: member.name, members: this.names() }));
    this.broadcast({ type: 'joined', who: member.name }, member.id);
  }

  leave(id: string): void {
    const member = this.members.get(id);
    if (!member) return;
    this.members.delete(id);
    // While the node drains everyone leaves: the room said so once already.
    if (!this.isClosing) this.broadcast({ type: 'left', who: member.name });
  }

  /** A line from `id`: sent to everyone else; a binary, empty or oversized one is answered with an error. */
  say(id: string, text: string | undefined): void {
    const member = this.members.get(id);
    if (!member) return;
    if (text === undefined || text.length === 0 || text.length > MAX_TEXT) {
      member.send(event({ type: 'error', reason: `send a text line of 1-${MAX_TEXT} characters` }));
      return;
    }
    this.broadcast({ type: 'message', from: member.name, text }, id);
  }

  /** The node is draining: everyone will be moved to another node (and another room). Said once. */
  closing(): void {
    if (this.isClosing) return;
    this.isClosing = true;
    this.broadcast({ type: 'closing' });
  }

  get size(): number {
    return this.members.size;
  }

  private names(): string[] {
    return [...this.members.values()].map((m) => m.name);
  }

  private broadcast(e: ChatEvent, except?: string): void {
    const text = event(e);
    for (const member of this.members.values()) if (member.id !== except) member.send(text);
  }
}

const event = (e: ChatEvent) => JSON.stringify(e);

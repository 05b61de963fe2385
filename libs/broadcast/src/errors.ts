export class BroadcastError extends Error {
  override readonly name: string = 'BroadcastError';
}

export class BroadcastNotFoundError extends BroadcastError {
  override readonly name = 'BroadcastNotFoundError';
}

/** The broadcast cannot change that way any more (finished, cancelled, rejected). */
export class BroadcastStateError extends BroadcastError {
  override readonly name = 'BroadcastStateError';
}

import { Inject, Injectable } from '@nestjs/common';
import type { RouterPorts } from './ports';
import { ROUTER_PORTS } from './tokens';
import { GetScorecardCommand, type SenderScorecard } from './usecases/get-scorecard/get-scorecard.command';
import { GetScorecardUseCase } from './usecases/get-scorecard/get-scorecard.usecase';

/** The router in-process, for the gateway: a sender's scorecard. */
@Injectable()
export class RouterScorecardService {
  constructor(
    @Inject(ROUTER_PORTS) private readonly ports: RouterPorts,
    private readonly getScorecard: GetScorecardUseCase,
  ) {}

  /** `since`: epoch ms (default: the last 30 days). */
  scorecard(senderId: string, since?: number): Promise<SenderScorecard> {
    return this.getScorecard.execute(
      GetScorecardCommand.create(senderId, (this.ports.clock ?? Date.now)(), since),
    );
  }
}

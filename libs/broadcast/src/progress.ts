import type { BroadcastProgress } from './contracts/records';
import type { BroadcastPorts } from './ports';
import type { JobRow } from './store';

/** The aggregate view of a broadcast: the job's counters plus the app channel's receipts. */
export async function progressOf(job: JobRow, ports: BroadcastPorts): Promise<BroadcastProgress> {
  const receipts = await ports.delivery.receipts(job.broadcast_id);
  return {
    broadcastId: job.broadcast_id,
    senderId: job.sender_id,
    state: job.state,
    reason: job.reason,
    listRecipients: Number(job.list_received),
    devicesTargeted: Number(job.devices_targeted ?? 0),
    topicMessages: Number(job.topic_messages),
    pushesSent: Number(job.pushes_sent),
    pushesFailed: Number(job.pushes_failed),
    delivered: receipts.delivered,
    read: receipts.read,
    occurredAt: Date.now(),
  };
}

import { Kafka, logLevel } from 'kafkajs';

/**
 * The members the broker lists for a consumer group right now. A process that left the group gracefully
 * is gone at once; one that crashed stays listed until its session times out.
 */
export async function groupMembers(kafkaBrokers: string, groupId: string): Promise<unknown[]> {
  const admin = new Kafka({ brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.members ?? [];
  } finally {
    await admin.disconnect();
  }
}

import type { TopicPartition } from '../types';

export interface GroupMember {
  readonly id: number;
  readonly topics: readonly string[];
  /**
   * Called on every membership change with the member's new assignment. `previousLoops` settles when every
   * delivery loop of earlier generations has ended, so a partition never has two owners processing at once.
   */
  rebalance(assignment: TopicPartition[], generation: number, previousLoops: Promise<void>): Promise<void>;
}

interface Group {
  generation: number;
  members: GroupMember[];
  committed: Map<string, number>;
  loops: Set<Promise<void>>;
}

export interface Groups {
  join(groupId: string, member: GroupMember): void;
  leave(groupId: string, member: GroupMember): void;
  commit(groupId: string, topic: string, partition: number, offset: number): void;
  committed(groupId: string, topic: string, partition: number): number | undefined;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Consumer-group coordinator of the embedded log: eager rebalancing like Kafka's classic protocol with the
 * round-robin assignor (kafkajs' default), so a second member of a group takes over half the partitions.
 */
export function createGroups(partitionsOf: (topic: string) => number): Groups {
  const groups = new Map<string, Group>();

  function group(groupId: string): Group {
    let g = groups.get(groupId);
    if (!g) {
      g = { generation: 0, members: [], committed: new Map(), loops: new Set() };
      groups.set(groupId, g);
    }
    return g;
  }

  function rebalance(g: Group): void {
    g.generation += 1;
    const assignments = new Map<GroupMember, TopicPartition[]>(g.members.map((m) => [m, []]));
    const topics = [...new Set(g.members.flatMap((m) => m.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      const candidates = g.members.filter((m) => m.topics.includes(topic));
      const partitions = partitionsOf(topic);
      for (let partition = 0; partition < partitions; partition++) {
        const owner = candidates[turn++ % candidates.length] as GroupMember;
        assignments.get(owner)?.push({ topic, partition });
      }
    }
    const previousLoops = Promise.all([...g.loops]).then(() => undefined);
    for (const [member, assignment] of assignments) {
      const loop = member.rebalance(assignment, g.generation, previousLoops);
      g.loops.add(loop);
      const forget = () => g.loops.delete(loop);
      loop.then(forget, forget);
    }
  }

  return {
    join(groupId, member) {
      const g = group(groupId);
      g.members.push(member);
      g.members.sort((a, b) => a.id - b.id);
      rebalance(g);
    },
    leave(groupId, member) {
      const g = group(groupId);
      const before = g.members.length;
      g.members = g.members.filter((m) => m !== member);
      if (g.members.length !== before && g.members.length > 0) rebalance(g);
      else if (g.members.length === 0) g.generation += 1;
    },
    commit(groupId, topic, partition, offset) {
      group(groupId).committed.set(tpKey(topic, partition), offset);
    },
    committed(groupId, topic, partition) {
      return groups.get(groupId)?.committed.get(tpKey(topic, partition));
    },
  };
}

#pragma once

#include "core/ledger/block.h"

#include <optional>

namespace mg::ledger {

// Where a chain stops being valid and why. code is stable ("chain.version", "chain.chain_id",
// "chain.height", "chain.prev_hash", "chain.timestamp", "chain.tx_count", "chain.duplicate_tx",
// "chain.merkle_root", "chain.unknown_key", "chain.biller_signature", "chain.ack_signature",
// "chain.duplicate_ack", "chain.tx_chain_id", "chain.tx_signature"; checked in that order).
// reason is an untranslated sentence naming the tx index or ack signer.
struct ValidationFinding
{
    ChainId chainId = 0;
    quint64 height = 0;
    QString code;
    QString reason;

    QString toString() const;
};

// Stateless structural and cryptographic checks of blocks: hash links, heights, Merkle roots,
// biller, ack and transaction signatures. Quorum size and membership are the consensus layer's.
class ChainValidator
{
public:
    explicit ChainValidator(KeyLookup keys);

    // prev is the previous block's header, or nullptr when block is a genesis block (height 0).
    std::optional<ValidationFinding> validateBlock(const Block &block, const BlockHeader *prev) const;
    // Blocks of one chain in height order, starting at genesis; the first failure.
    std::optional<ValidationFinding> validateChain(const QList<Block> &blocks) const;

private:
    KeyLookup m_keys;
};

} // namespace mg::ledger

#pragma once

#include "core/common/result.h"
#include "core/crypto/hash.h"

#include <QList>

namespace mg::ledger {

// Merkle tree over transaction ids. Leaves are H(0x00 || id), inner nodes H(0x01 || left || right)
// (domain separation stops a leaf posing as an inner node). An odd node at the end of a level is
// promoted unchanged (no duplication, so two different leaf lists cannot share a root, unlike
// Bitcoin's CVE-2012-2459). The root of an empty list is the null hash.
crypto::Hash256 merkleRoot(const QList<crypto::Hash256> &leaves);

struct MerkleProof
{
    quint32 index = 0;
    quint32 leafCount = 0;
    QList<crypto::Hash256> siblings; // bottom-up; the side follows from index and leafCount

    QByteArray encode() const;
    static Result<MerkleProof> decode(QByteArrayView bytes);
    bool operator==(const MerkleProof &) const = default;
};

MerkleProof merkleProof(const QList<crypto::Hash256> &leaves, quint32 index);
bool verifyMerkleProof(const crypto::Hash256 &leaf, const MerkleProof &proof, const crypto::Hash256 &root);

} // namespace mg::ledger

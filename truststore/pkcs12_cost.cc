#include "truststore/pkcs12_cost.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>

#include "truststore/ossl.h"

namespace trustctl::truststore {

namespace {

constexpr int kMaxBagDepth = 8;  // safeContents bags nest; real files use one level

Error tooHigh(const std::string& label, const std::string& where, std::int64_t count) {
  return Error{ErrorCode::Pkcs12IterationsTooHigh,
               label + ": the " + where + " asks for " + std::to_string(count) +
                   " key-derivation iterations, over trustctl's limit of " +
                   std::to_string(kMaxPkcs12Iterations) +
                   " (exporters use 2,000 to 600,000); re-export the file with the usual "
                   "settings"};
}

// An ASN1_INTEGER iteration count; OpenSSL runs a count below 1 as 1, and one that does not
// fit 64 bits is certainly too high.
std::int64_t countOf(const ASN1_INTEGER* iter) {
  if (iter == nullptr) {
    return 1;
  }
  std::int64_t v = 0;
  if (ASN1_INTEGER_get_int64(&v, iter) != 1) {
    ossl::clearErrors();
    return INT64_MAX;
  }
  return v < 1 ? 1 : v;
}

// The iterations an encryption AlgorithmIdentifier asks for: PBES2 names PBKDF2 with its
// count; the PKCS#12 and PKCS#5 v1 schemes carry a PBEParameter {salt, iterations}. Other
// key derivations (scrypt, whose memory OpenSSL caps) count as 0.
std::int64_t iterationsOf(const X509_ALGOR* alg) {
  if (alg == nullptr) {
    return 0;
  }
  if (OBJ_obj2nid(alg->algorithm) == NID_pbes2) {
    ossl::Pbe2ParamPtr pbe2(static_cast<PBE2PARAM*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter)));
    if (!pbe2 || pbe2->keyfunc == nullptr ||
        OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_pbkdf2) {
      ossl::clearErrors();
      return 0;
    }
    ossl::Pbkdf2ParamPtr kdf(static_cast<PBKDF2PARAM*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)));
    ossl::clearErrors();
    return kdf ? countOf(kdf->iter) : 0;
  }
  ossl::PbeParamPtr pbe(
      static_cast<PBEPARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter)));
  ossl::clearErrors();
  return pbe ? countOf(pbe->iter) : 0;
}

// Adds `count` to the total, failing when it or the total is over the cap.
Result<void> account(std::int64_t count, const std::string& label, const std::string& where,
                     std::int64_t& total) {
  if (count > kMaxPkcs12Iterations) {
    return tl::unexpected(tooHigh(label, where, count));
  }
  total += count;
  if (total > kMaxPkcs12TotalIterations) {
    return fail(ErrorCode::Pkcs12IterationsTooHigh,
                label + ": its MAC and bags together ask for more than " +
                    std::to_string(kMaxPkcs12TotalIterations) +
                    " key-derivation iterations; re-export the file with the usual settings");
  }
  return {};
}

Result<void> checkBags(const STACK_OF(PKCS12_SAFEBAG) * bags, const std::string& label,
                       std::int64_t& total, int depth) {
  for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
    const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
    int nid = PKCS12_SAFEBAG_get_nid(bag);
    if (nid == NID_pkcs8ShroudedKeyBag) {
      const X509_ALGOR* alg = nullptr;
      X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, nullptr);
      if (auto r = account(iterationsOf(alg), label, "encrypted private key", total); !r) {
        return r;
      }
    } else if (nid == NID_safeContentsBag) {
      if (depth >= kMaxBagDepth) {
        return fail(ErrorCode::UnrecognizedFormat, label + ": PKCS#12 bags nested deeper than " +
                                                       std::to_string(kMaxBagDepth) +
                                                       " levels; the file is damaged or hostile");
      }
      if (auto r = checkBags(PKCS12_SAFEBAG_get0_safes(bag), label, total, depth + 1); !r) {
        return r;
      }
    }
  }
  return {};
}

// The MAC, every encrypted safe and the bags of the plain safes; with `pass`, also the bags
// inside the encrypted safes that it opens.
Result<void> checkAll(PKCS12* p12, const char* pass, bool open_encrypted,
                      const std::string& label) {
  std::int64_t total = 0;
  if (PKCS12_mac_present(p12) == 1) {
    const ASN1_INTEGER* iter = nullptr;
    PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12);
    if (auto r = account(countOf(iter), label, "MAC", total); !r) {
      return r;
    }
  }
  ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12));
  if (!safes) {
    ossl::clearErrors();
    return {};  // not decodable: PKCS12_parse reports it, without deriving any key
  }
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* safe = sk_PKCS7_value(safes.get(), i);
    int nid = OBJ_obj2nid(safe->type);
    if (nid == NID_pkcs7_data) {
      ossl::SafebagStackPtr bags(PKCS12_unpack_p7data(safe));
      ossl::clearErrors();
      if (auto r = checkBags(bags.get(), label, total, 0); !r) {
        return r;
      }
    } else if (nid == NID_pkcs7_encrypted && safe->d.encrypted != nullptr &&
               safe->d.encrypted->enc_data != nullptr) {
      std::int64_t count = iterationsOf(safe->d.encrypted->enc_data->algorithm);
      if (auto r = account(count, label, "encrypted certificate safe", total); !r) {
        return r;
      }
      if (open_encrypted) {
        ossl::SafebagStackPtr bags(PKCS12_unpack_p7encdata(safe, pass, pass == nullptr ? 0 : -1));
        ossl::clearErrors();
        if (auto r = checkBags(bags.get(), label, total, 0); !r) {
          return r;
        }
      }
    }
  }
  return {};
}

}  // namespace

Result<void> checkPkcs12Cost(PKCS12* p12, const std::string& label) {
  return checkAll(p12, nullptr, /*open_encrypted=*/false, label);
}

Result<void> checkPkcs12InnerCost(PKCS12* p12, const char* pass, const std::string& label) {
  return checkAll(p12, pass, /*open_encrypted=*/true, label);
}

}  // namespace trustctl::truststore

// ksnap-rocksdb-helper: the engine half of the RocksDB conformance backend
// (conformance/backends/rocksdb/README.md). The TypeScript adapter starts one
// helper per adapter process and drives it over stdin/stdout with one command
// per line; the helper does everything that touches RocksDB (open, write,
// merge, iterate, DeleteRange, flush, compact, Checkpoint) and nothing else:
// metadata, uploads, savepoint data and discards are the adapter's, through
// the ksnap library.
//
// Protocol (one line in, one line out, tokens separated by one space):
//   binary arguments are hex prefixed with 'x' ("x" alone is empty bytes);
//   paths are plain tokens (the adapter never passes a path with a space);
//   a reply is "ok [tokens...]" or "err <CODE> <message>".
//
//   version                          -> ok <rocksdb version>
//   open <h> <dir> <create 0|1>      -> ok <db identity>
//   write <h> (p <k> <v> | d <k> | m <k> <v>)...   one WriteBatch -> ok
//   scan <h> <lo|-> <hi|->           -> ok <k> <v> <k> <v> ...   (lo inclusive, hi exclusive)
//   delete-range <h> <lo> <hi>       -> ok
//   copy-range <h> <src dir> <lo> <hi> -> ok <entries copied>  (src opened read-only)
//   flush <h>                        -> ok
//   compact <h>                      -> ok                      (CompactRange over all keys)
//   checkpoint <h> <dir>             -> ok                      (Checkpoint::CreateCheckpoint, flushing first)
//   close <h>                        -> ok
//   quit                             -> ok, then exit 0
//
// Error codes: BAD_COMMAND (a line the helper cannot parse), UNKNOWN_DB (no
// open handle <h>), ENGINE_ERROR (a RocksDB Status that is not ok; the message
// is Status::ToString()).
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/version.h>
#include <rocksdb/write_batch.h>

#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

// List state: every element is stored as one merge operand (a length-prefixed
// element, written by the adapter); merging is concatenation, so the value is
// the elements in the order they were added, as Flink's RocksDB list state is.
class ConcatMergeOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    new_value->clear();
    if (existing != nullptr) new_value->assign(existing->data(), existing->size());
    new_value->append(value.data(), value.size());
    return true;
  }
  const char* Name() const override { return "ksnap.ConcatMergeOperator"; }
};

struct Failure {
  std::string code;
  std::string message;
};

rocksdb::Options Options(bool create) {
  rocksdb::Options o;
  o.create_if_missing = create;
  o.error_if_exists = false;
  o.merge_operator = std::make_shared<ConcatMergeOperator>();
  // Compactions happen when the scenario asks (the `compact` step), never in
  // the background: an unchanged subtask must upload nothing new, and a
  // background compaction would rewrite its files between two checkpoints.
  o.disable_auto_compactions = true;
  o.keep_log_file_num = 2;
  o.max_manifest_file_size = 64 << 20;
  return o;
}

void Check(const rocksdb::Status& s) {
  if (!s.ok()) throw Failure{"ENGINE_ERROR", s.ToString()};
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string Unhex(const std::string& token) {
  if (token.empty() || token[0] != 'x' || token.size() % 2 != 1) throw Failure{"BAD_COMMAND", "not a hex argument: " + token};
  std::string out;
  out.reserve(token.size() / 2);
  for (size_t i = 1; i < token.size(); i += 2) {
    int hi = HexDigit(token[i]), lo = HexDigit(token[i + 1]);
    if (hi < 0 || lo < 0) throw Failure{"BAD_COMMAND", "not a hex argument: " + token};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

void AppendHex(std::string* out, const rocksdb::Slice& s) {
  static const char* digits = "0123456789abcdef";
  out->push_back(' ');
  out->push_back('x');
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out->push_back(digits[c >> 4]);
    out->push_back(digits[c & 15]);
  }
}

class Helper {
 public:
  ~Helper() {
    for (auto& [name, db] : dbs_) {
      db->Close().PermitUncheckedError();
      delete db;
    }
  }

  std::string Run(const std::vector<std::string>& t) {
    const std::string& cmd = t[0];
    if (cmd == "version") return "ok " + rocksdb::GetRocksVersionAsString(true);
    if (cmd == "open") return Open(t);
    if (cmd == "write") return Write(t);
    if (cmd == "scan") return Scan(t);
    if (cmd == "delete-range") {
      Arity(t, 4);
      Check(Db(t[1])->DeleteRange(rocksdb::WriteOptions(), Db(t[1])->DefaultColumnFamily(), Unhex(t[2]), Unhex(t[3])));
      return "ok";
    }
    if (cmd == "copy-range") return CopyRange(t);
    if (cmd == "flush") {
      Arity(t, 2);
      Check(Db(t[1])->Flush(rocksdb::FlushOptions()));
      return "ok";
    }
    if (cmd == "compact") {
      Arity(t, 2);
      rocksdb::CompactRangeOptions o;
      o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
      Check(Db(t[1])->Flush(rocksdb::FlushOptions()));
      Check(Db(t[1])->CompactRange(o, nullptr, nullptr));
      return "ok";
    }
    if (cmd == "checkpoint") {
      Arity(t, 3);
      rocksdb::Checkpoint* raw = nullptr;
      Check(rocksdb::Checkpoint::Create(Db(t[1]), &raw));
      std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
      // log_size_for_flush 0: always flush, so the checkpoint is SSTs, MANIFEST, CURRENT and OPTIONS only.
      Check(checkpoint->CreateCheckpoint(t[2], 0));
      return "ok";
    }
    if (cmd == "close") {
      Arity(t, 2);
      rocksdb::DB* db = Db(t[1]);
      dbs_.erase(t[1]);
      rocksdb::Status s = db->Close();
      delete db;
      Check(s);
      return "ok";
    }
    throw Failure{"BAD_COMMAND", "unknown command " + cmd};
  }

 private:
  std::map<std::string, rocksdb::DB*> dbs_;

  static void Arity(const std::vector<std::string>& t, size_t n) {
    if (t.size() != n) throw Failure{"BAD_COMMAND", t[0] + " takes " + std::to_string(n - 1) + " arguments"};
  }

  rocksdb::DB* Db(const std::string& name) {
    auto it = dbs_.find(name);
    if (it == dbs_.end()) throw Failure{"UNKNOWN_DB", "no open database " + name};
    return it->second;
  }

  std::string Open(const std::vector<std::string>& t) {
    Arity(t, 4);
    if (dbs_.count(t[1]) != 0) throw Failure{"BAD_COMMAND", "database " + t[1] + " is already open"};
    rocksdb::DB* db = nullptr;
    Check(rocksdb::DB::Open(Options(t[3] == "1"), t[2], &db));
    std::string identity;
    rocksdb::Status s = db->GetDbIdentity(identity);
    if (!s.ok()) {
      db->Close().PermitUncheckedError();
      delete db;
      Check(s);
    }
    dbs_[t[1]] = db;
    return "ok " + identity;
  }

  std::string Write(const std::vector<std::string>& t) {
    if (t.size() < 2) throw Failure{"BAD_COMMAND", "write takes a database"};
    rocksdb::DB* db = Db(t[1]);
    rocksdb::WriteBatch batch;
    size_t i = 2;
    while (i < t.size()) {
      const std::string& op = t[i];
      if (op == "d" && i + 1 < t.size()) {
        Check(batch.Delete(Unhex(t[i + 1])));
        i += 2;
      } else if ((op == "p" || op == "m") && i + 2 < t.size()) {
        std::string k = Unhex(t[i + 1]), v = Unhex(t[i + 2]);
        Check(op == "p" ? batch.Put(k, v) : batch.Merge(k, v));
        i += 3;
      } else {
        throw Failure{"BAD_COMMAND", "bad write operation at token " + std::to_string(i)};
      }
    }
    Check(db->Write(rocksdb::WriteOptions(), &batch));
    return "ok";
  }

  std::string Scan(const std::vector<std::string>& t) {
    Arity(t, 4);
    rocksdb::DB* db = Db(t[1]);
    std::string lo = t[2] == "-" ? "" : Unhex(t[2]);
    std::string hi = t[3] == "-" ? "" : Unhex(t[3]);
    rocksdb::Slice hiSlice(hi);
    rocksdb::ReadOptions ro;
    if (t[3] != "-") ro.iterate_upper_bound = &hiSlice;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
    std::string out = "ok";
    for (it->Seek(lo); it->Valid(); it->Next()) {
      AppendHex(&out, it->key());
      AppendHex(&out, it->value());
    }
    Check(it->status());
    return out;
  }

  std::string CopyRange(const std::vector<std::string>& t) {
    Arity(t, 5);
    rocksdb::DB* dst = Db(t[1]);
    std::string lo = Unhex(t[3]), hi = Unhex(t[4]);
    rocksdb::DB* raw = nullptr;
    Check(rocksdb::DB::OpenForReadOnly(Options(false), t[2], &raw));
    std::unique_ptr<rocksdb::DB> src(raw);
    rocksdb::Slice hiSlice(hi);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &hiSlice;
    std::unique_ptr<rocksdb::Iterator> it(src->NewIterator(ro));
    rocksdb::WriteBatch batch;
    long count = 0;
    for (it->Seek(lo); it->Valid(); it->Next()) {
      Check(batch.Put(it->key(), it->value()));
      count++;
      if (batch.GetDataSize() > (4 << 20)) {
        Check(dst->Write(rocksdb::WriteOptions(), &batch));
        batch.Clear();
      }
    }
    Check(it->status());
    it.reset();
    Check(dst->Write(rocksdb::WriteOptions(), &batch));
    Check(src->Close());
    return "ok " + std::to_string(count);
  }
};

std::vector<std::string> Tokens(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string token;
  while (in >> token) out.push_back(token);
  return out;
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  Helper helper;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::vector<std::string> t = Tokens(line);
    if (t.empty()) continue;
    if (t[0] == "quit") {
      std::cout << "ok" << std::endl;
      return 0;
    }
    std::string reply;
    try {
      reply = helper.Run(t);
    } catch (const Failure& f) {
      std::string message = f.message;
      for (char& c : message) if (c == '\n' || c == '\r') c = ' ';
      reply = "err " + f.code + " " + message;
    } catch (const std::exception& e) {
      reply = std::string("err INTERNAL ") + e.what();
    }
    std::cout << reply << '\n' << std::flush;
  }
  return 0;
}

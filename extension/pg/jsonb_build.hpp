// jsonb built directly from a parsed token payload (jsonb_build.cpp).
#pragma once

#include "core/json.hpp"

extern "C" {
#include "postgres.h"

#include "utils/jsonb.h"
}

namespace tg::pg {

// The jsonb datum jsonb_in would make of doc.source(), for a Document that is an object, in a
// UTF-8 database (strings are stored as the parser unescaped them). PostgreSQL code: run it
// inside pg_call. Numbers beyond numeric's range raise numeric_in's error (class 22).
Jsonb* document_jsonb(const core::json::Document& doc);

}  // namespace tg::pg

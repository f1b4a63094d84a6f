#include "tests/support/test_pki.h"

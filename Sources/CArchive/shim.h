#pragma once
#include <archive.h>
#include <archive_entry.h>

/// The file types are macros with a cast, which Swift cannot import; these name them.
static const unsigned int CArchive_IFREG = AE_IFREG;
static const unsigned int CArchive_IFDIR = AE_IFDIR;
static const unsigned int CArchive_IFLNK = AE_IFLNK;

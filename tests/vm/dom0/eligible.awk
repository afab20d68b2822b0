# The eligible census (scenarios/anypfn.sh).  Input, one line a page:
#   GUEST KIND HASH MFN PFN
# KIND is image or cache; a guest may list a page once.  Output:
#   potential P saved S different-pfn D pagecache C
# P: for each content, the guests that have it minus one (what sharing
# across guests could save at most, one frame a guest for each content).
# S: for each content, its guests minus the frames that back it, the
# frames mapped by the most guests counted first.  D: shared frames
# (backing two or more guests) whose guests map them at different pfns;
# C: shared frames that are page cache.
NF != 5 {
	next
}
{
	g = $1; h = $3; m = $4
	if (!((g, h) in gh)) { gh[g, h] = 1; nh[h]++ }
	if ((h, m, g) in hmg)
		next
	hmg[h, m, g] = 1
	if (!((h, m) in guests))
		mlist[h] = mlist[h] " " m
	guests[h, m] = guests[h, m] " " g
	pfns[h, m] = pfns[h, m] " " $5
	if ($2 == "cache")
		cache[h, m] = 1
}
END {
	for (h in nh) {
		potential += nh[h] - 1
		# Cover the guests that have h with as few frames as
		# may be, the frames the most guests map first.
		split("", covered)
		left = nh[h]
		frames = 0
		n = split(mlist[h], ms, " ")
		while (left > 0) {
			best = ""
			bestc = 0
			for (i = 1; i <= n; i++) {
				c = 0
				k = split(guests[h, ms[i]], gs, " ")
				for (j = 1; j <= k; j++)
					if (!(gs[j] in covered))
						c++
				if (c > bestc) {
					bestc = c
					best = ms[i]
				}
			}
			if (!bestc)
				break		# cannot happen: every guest has a frame
			k = split(guests[h, best], gs, " ")
			for (j = 1; j <= k; j++)
				if (!(gs[j] in covered)) {
					covered[gs[j]] = 1
					left--
				}
			frames++
			if (bestc < 2)
				continue
			# A shared frame: at other pfns?  Page cache?
			k = split(pfns[h, best], ps, " ")
			for (j = 2; j <= k; j++)
				if (ps[j] != ps[1]) {
					diff++
					break
				}
			if ((h, best) in cache)
				pc++
		}
		saved += nh[h] - frames
	}
	printf "potential %d saved %d different-pfn %d pagecache %d\n",
		potential, saved, diff, pc
}

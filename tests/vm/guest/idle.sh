# A quiet registered guest for the census test (dom0: scenarios/census.sh):
# register, then idle until dom0 posts one test entry as the signal.
check insmod insmod /cbps/cs.ko
if wait_for 1200 stat_ge test_entries 1; then
	pass released
else
	fail released "no signal from dom0"
fi

# The suite's resource: a counter, and how many are alive (a drop is
# counted through __del__, which componentize-py calls when the host drops
# its handle).

from wit_world.exports import counters

LIVE = 0


class Counter(counters.Counter):
    def __init__(self, start):
        global LIVE
        LIVE += 1
        self.value = start

    def add(self, by):
        self.value += by
        return self.value

    def get(self):
        return self.value

    @classmethod
    def merge(cls, a, b):
        return Counter(a.value + b.value)

    def __del__(self):
        global LIVE
        LIVE -= 1
